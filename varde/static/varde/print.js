// The "Skriv ut" button on printable pages. It stays hidden without JavaScript,
// where the page tells the reader to press Ctrl+P instead.
document.querySelectorAll("[data-print]").forEach((wrap) => {
  wrap.hidden = false;
  wrap.querySelector("button").addEventListener("click", () => window.print());
});
