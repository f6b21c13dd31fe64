// Draws an application's BPMN process with bpmn-js (served locally) and marks the current step.
document.addEventListener("DOMContentLoaded", async () => {
  const box = document.getElementById("process-diagram");
  if (!box || typeof BpmnJS === "undefined") return;
  const viewer = new BpmnJS({ container: box });
  const xml = await (await fetch(box.dataset.src, { credentials: "same-origin" })).text();
  try {
    await viewer.importXML(xml);
  } catch (error) {
    box.textContent = String(error);
    return;
  }
  const canvas = viewer.get("canvas");
  for (const id of (box.dataset.done || "").split(",").filter(Boolean)) {
    try { canvas.addMarker(id, "done-step"); } catch (e) { /* not in this diagram */ }
  }
  if (box.dataset.step) {
    try { canvas.addMarker(box.dataset.step, "current-step"); } catch (e) { /* finished */ }
  }
  canvas.zoom("fit-viewport");
  box.dataset.ready = "1";
});
