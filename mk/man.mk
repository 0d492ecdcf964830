# Manual pages: section 3 (one file per public function: a page, or a
# one-line .so link to the page that documents it) and section 7.
#
#   make install-man     into $(DESTDIR)$(MANDIR)/man3 and man7
#   make uninstall-man   removes exactly those files

MANDIR ?= $(PREFIX)/share/man
MAN3   := $(wildcard man/man3/*.3)
MAN7   := $(wildcard man/man7/*.7)

.PHONY: install-man uninstall-man

install-man:
	install -d $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7
	$(if $(MAN3),install -m 644 $(MAN3) $(DESTDIR)$(MANDIR)/man3/)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/)

uninstall-man:
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man3/,$(notdir $(MAN3)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MAN7)))
	-rmdir $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7 2>/dev/null
