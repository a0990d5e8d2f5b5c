// Runs before the first paint (a blocking script in <head>) so a chosen theme never flashes
// the other one: the stored choice, else the system's, as data-theme on <html>.
(() => {
  let stored = null;
  try {
    stored = localStorage.getItem("rubysound-theme");
  } catch {
    // Storage blocked (privacy mode): follow the system.
  }
  const system = matchMedia("(prefers-color-scheme: light)").matches ? "light" : "dark";
  document.documentElement.dataset.theme = stored === "light" || stored === "dark" ? stored : system;
})();
