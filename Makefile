# SparseLMM: set-up, main job and tests on a Debian machine with Swift.
#   make demo   install missing Debian packages, build, fit the embedded example, print the summary
#   make test   install missing Debian packages, build, run the test suite

APT_PACKAGES := libsuitesparse-dev libopenblas-dev liblapack-dev libnlopt-dev
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: deps demo test build release bench clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi

release: deps
	swift build -c release --product lmm

demo: release
	.build/release/lmm fit examples/data/sleepstudy.csv 'Reaction ~ Days + (Days | Subject)' --factor Subject

build: deps
	swift build

test: deps
	swift build --build-tests
	swift test

clean:
	rm -rf .build
