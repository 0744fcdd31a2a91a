// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();
  pollProgress();
  announceDownloads();
});

// Export links whose file is put together first (an XLSX or PDF of a whole year takes some
// seconds before the download starts): say so in the page's status region, so nobody
// clicks again thinking nothing happened. CSV downloads stream and start at once.
function announceDownloads() {
  const status = document.querySelector("[data-download-status]");
  if (!status) return;
  for (const link of document.querySelectorAll("a[data-preparing]")) {
    link.addEventListener("click", () => {
      // The live region is in the page from the start (empty), so the text is announced.
      status.textContent = link.dataset.preparing;
      status.classList.add("alert", "alert--info");
    });
  }
}

// Progress pages of background jobs (certificates, invitations) mark their changing parts
// with data-poll-part and the running state with data-poll. Instead of reloading the page
// (a meta refresh moves screen-reader users back to the top and breaks WCAG 2.2.1), fetch
// the same page and copy the new values in; the role="status" text is announced politely.
function pollProgress() {
  if (!document.querySelector("[data-poll]")) return;
  const interval = 1500;
  const update = async () => {
    let fresh;
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    } catch (error) {
      window.setTimeout(update, interval * 4);
      return;
    }
    for (const part of document.querySelectorAll("[data-poll-part]")) {
      const next = fresh.querySelector(`[data-poll-part="${part.dataset.pollPart}"]`);
      if (!next) continue;
      for (const name of ["value", "max"]) {
        if (next.hasAttribute(name)) part.setAttribute(name, next.getAttribute(name));
      }
      if (part.innerHTML !== next.innerHTML) part.innerHTML = next.innerHTML;
    }
    if (fresh.querySelector("[data-poll]")) {
      window.setTimeout(update, interval);
    } else {
      for (const marker of document.querySelectorAll("[data-poll]")) marker.removeAttribute("data-poll");
    }
  };
  window.setTimeout(update, interval);
}
