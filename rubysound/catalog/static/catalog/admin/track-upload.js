// The admin's audio upload sends the form with its CSRF token in the X-CSRFToken header.
//
// A batch of audio is far larger than the site-wide request cap. The server grants the
// larger allowance before it reads the body, so from the headers alone: a staff session
// and a CSRF token that checks out. The form's hidden token field is part of the body,
// hence the header. Without this script the form still posts, within the normal cap.
"use strict";

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches("form[data-token-in-header]")) return;
  event.preventDefault();
  const button = form.querySelector('[type="submit"]');
  if (button) button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-CSRFToken": form.elements.csrfmiddlewaretoken.value },
      credentials: "same-origin",
      // The list it redirects to shows the messages; following here would use them up.
      redirect: "manual",
    });
    if (response.type === "opaqueredirect") {
      window.location.assign(form.dataset.doneUrl);
      return;
    }
    const type = response.headers.get("Content-Type") || "";
    if (type.startsWith("application/json")) {
      const body = await response.json();
      showError(form, body.detail || `The upload was refused (HTTP ${response.status}).`);
      return;
    }
    // The form again with its errors, or an error page: shown as a form post would.
    const page = await response.text();
    document.open();
    document.write(page);
    document.close();
  } catch {
    showError(form, "The upload did not go through (the connection was closed); try fewer or smaller files.");
  } finally {
    if (button) button.disabled = false;
  }
});

function showError(form, text) {
  let list = form.querySelector("ul.errorlist.upload-refused");
  if (!list) {
    list = document.createElement("ul");
    list.className = "errorlist nonfield upload-refused";
    form.prepend(list);
  }
  const item = document.createElement("li");
  item.textContent = text;
  list.replaceChildren(item);
}
