// The light/dark switch in the top bar; the choice persists in this browser.

const STORAGE_KEY = "rubysound-theme";

function current() {
  return document.documentElement.dataset.theme === "light" ? "light" : "dark";
}

function label(button) {
  const next = current() === "light" ? "dark" : "light";
  button.setAttribute("aria-label", button.dataset[`label${next[0].toUpperCase()}${next.slice(1)}`]);
}

export function mount(button) {
  label(button);
  const toggle = () => {
    const next = current() === "light" ? "dark" : "light";
    document.documentElement.dataset.theme = next;
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Storage blocked: the choice lasts for this page only.
    }
    label(button);
  };
  button.addEventListener("click", toggle);
  return () => button.removeEventListener("click", toggle);
}
