// A "Copy" button next to a read-only field (the Apps settings' server address and new
// secrets): copies the field's value. Hidden without scripts, where the field's text is
// selected by hand; when the clipboard is refused, the text is selected for the user instead.

const FEEDBACK_MS = 2000;

export function mount(button) {
  const field = document.getElementById(button.dataset.copy);
  if (!field) return undefined;
  const label = button.textContent;
  const copiedLabel = button.dataset.copiedLabel || label;
  let timer = null;

  async function copy() {
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = copiedLabel;
      clearTimeout(timer);
      timer = setTimeout(() => {
        button.textContent = label;
      }, FEEDBACK_MS);
    } catch {
      field.focus();
      field.select();
    }
  }

  button.hidden = false;
  button.addEventListener("click", copy);
  return () => {
    clearTimeout(timer);
    button.removeEventListener("click", copy);
  };
}
