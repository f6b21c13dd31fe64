// Mark the stage whose details are shown (the details themselves come by htmx).
document.addEventListener("click", (event) => {
  const link = event.target.closest("#stage-line a[data-stage]");
  if (!link) return;
  document.querySelectorAll("#stage-line a.selected").forEach((a) => a.classList.remove("selected"));
  link.classList.add("selected");
});
