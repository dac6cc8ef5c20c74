// Package browsertest holds Guichet's browser tests: every HTML page that the
// router lists (routes of kind httpx.Page) is loaded in headless Chromium,
// with JavaScript on and off, audited with axe-core (WCAG 2.0/2.1 A and AA),
// checked for its status, its <html lang> and its link to the other language,
// and photographed at 320 and 1280 CSS pixels wide.
//
// The package has no code outside its tests. Run it with:
//
//	apt-get install chromium                # or any Chrome/Chromium
//	(cd /some/dir && npm install axe-core)  # outside the source tree
//	GUICHET_AXE=/some/dir/node_modules go test ./internal/browsertest/ -v
//
// Environment:
//
//	GUICHET_CHROMIUM     path to the browser (default: chromium, chromium-browser
//	                     or google-chrome on PATH)
//	GUICHET_AXE          axe.min.js, or a node_modules folder, or a folder that
//	                     holds node_modules/axe-core/axe.min.js
//	GUICHET_SCREENSHOTS  folder for the PNG screenshots (default: a new
//	                     temporary folder, printed by the test)
//	CI=true              a missing browser or axe-core fails the tests instead
//	                     of skipping them
package browsertest
