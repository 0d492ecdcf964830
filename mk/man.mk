# Manual pages: man/man3 (the API, one page per group of functions, a
# one-line .so link for every other name) and man/man7 (the overview).
#
#   make install-man     install them under $(DESTDIR)$(MANDIR)
#   make uninstall-man   remove exactly those files
#
# Variables: MANDIR (default $(PREFIX)/share/man), DESTDIR, PREFIX.
# tests/check_man lints them and checks that every public function has
# a page.

MANDIR ?= $(PREFIX)/share/man

MAN1 := $(wildcard man/man1/*.1)
MAN3 := $(wildcard man/man3/*.3)
MAN7 := $(wildcard man/man7/*.7)

.PHONY: install-man uninstall-man

install-man:
	install -d "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(MANDIR)/man3" "$(DESTDIR)$(MANDIR)/man7"
	$(if $(MAN1),install -m 644 $(MAN1) "$(DESTDIR)$(MANDIR)/man1/")
	$(if $(MAN3),install -m 644 $(MAN3) "$(DESTDIR)$(MANDIR)/man3/")
	$(if $(MAN7),install -m 644 $(MAN7) "$(DESTDIR)$(MANDIR)/man7/")

uninstall-man:
	for f in $(notdir $(MAN1)); do rm -f "$(DESTDIR)$(MANDIR)/man1/$$f"; done
	for f in $(notdir $(MAN3)); do rm -f "$(DESTDIR)$(MANDIR)/man3/$$f"; done
	for f in $(notdir $(MAN7)); do rm -f "$(DESTDIR)$(MANDIR)/man7/$$f"; done
	-rmdir "$(DESTDIR)$(MANDIR)/man1" 2>/dev/null
	-rmdir "$(DESTDIR)$(MANDIR)/man3" 2>/dev/null
	-rmdir "$(DESTDIR)$(MANDIR)/man7" 2>/dev/null
