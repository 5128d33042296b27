// Progressive enhancement only: every page works without this file.
// 1. Search boxes filter their tables' rows as you type.
// 2. Forms marked data-confirm ask in an accessible <dialog> before a destructive change.
// 3. Elements marked data-refresh reload their section every few seconds (live lists).
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[data-filter]")) {
    const name = input.getAttribute("data-filter");
    const apply = () => {
      const q = input.value.trim().toLowerCase();
      for (const table of document.querySelectorAll(`table[data-filterable="${name}"]`)) {
        for (const row of table.tBodies[0]?.rows ?? []) {
          row.hidden = q !== "" && !row.textContent.toLowerCase().includes(q);
        }
      }
    };
    input.addEventListener("input", apply);
    apply();
  }

  const dialog = document.getElementById("confirm");
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (form.dataset.confirmed === "yes" || !dialog?.showModal) return;
      event.preventDefault();
      document.getElementById("confirm-text").textContent = form.getAttribute("data-confirm");
      dialog.returnValue = "";
      dialog.showModal();
      document.getElementById("confirm-ok").focus();
      dialog.addEventListener(
        "close",
        () => {
          if (dialog.returnValue !== "ok") return;
          const yes = document.createElement("input");
          yes.type = "hidden";
          yes.name = "confirm";
          yes.value = "yes";
          form.append(yes);
          form.dataset.confirmed = "yes";
          form.requestSubmit();
        },
        { once: true },
      );
    });
  }

  for (const section of document.querySelectorAll("[data-refresh]")) {
    const every = Number(section.getAttribute("data-refresh")) || 3000;
    setInterval(async () => {
      if (document.hidden || section.contains(document.activeElement)) return;
      const res = await fetch(location.href, { headers: { accept: "text/html" } });
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      const fresh = doc.getElementById(section.id);
      if (fresh) section.replaceChildren(...fresh.childNodes);
    }, every);
  }
});
