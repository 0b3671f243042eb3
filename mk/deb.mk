# mk/deb.mk - included by the Makefile. Owns `make deb` (the Debian packages
# of debian/, built with dpkg-buildpackage -us -uc -b), `make deb-lint`
# (lintian over them) and `make check-version` (the Makefile's VERSION is
# the version at the top of debian/changelog: one version, two places that
# must agree).
#
# Must never: build in the source tree or write beside it. The tree is copied
# to build/deb/libtryall-VERSION/ (without build/ and .git), built there -
# dpkg-buildpackage writes its results into the parent of the tree it builds,
# here build/deb/ - and the .deb, .buildinfo and .changes files are moved to
# build/. The source tree and its parent directory are left as they were.

DEBSTAGE := $(B)/deb
DEBCHANGES = $(B)/libtryall_$(VERSION)_$(shell dpkg --print-architecture).changes

.PHONY: deb deb-lint check-version

check-version:
	@v=$$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' debian/changelog); \
	if [ "$$v" != "$(VERSION)" ]; then \
	  echo "version mismatch: Makefile VERSION is $(VERSION), debian/changelog says '$$v'" >&2; \
	  exit 1; \
	fi; \
	echo "version $(VERSION): Makefile and debian/changelog agree"

deb: check-version
	rm -rf $(DEBSTAGE)
	mkdir -p $(DEBSTAGE)/libtryall-$(VERSION)
	tar -C . --exclude=./build --exclude=./$(B) --exclude=./.git -cf - . | \
	  tar -C $(DEBSTAGE)/libtryall-$(VERSION) -xf -
	cd $(DEBSTAGE)/libtryall-$(VERSION) && dpkg-buildpackage -us -uc -b
	mv $(DEBSTAGE)/*.deb $(DEBSTAGE)/*.buildinfo $(DEBSTAGE)/*.changes $(B)/
	rm -rf $(DEBSTAGE)
	@ls -l $(B)/*_$(VERSION)_*.deb

# Errors and warnings fail; informational tags are shown. Each override in
# debian/*.lintian-overrides has its reason beside it.
deb-lint:
	lintian --display-info --fail-on error,warning --tag-display-limit 0 $(DEBCHANGES)
