// Small behaviours of the shell: the phone menu, and htmx errors shown instead of swallowed.
document.addEventListener("DOMContentLoaded", function () {
  var toggle = document.querySelector("[data-toggle-nav]");
  if (toggle) {
    toggle.addEventListener("click", function () {
      document.body.classList.toggle("nav-open");
    });
  }
  document.body.addEventListener("htmx:responseError", function (event) {
    var target = event.detail.target;
    if (target && event.detail.xhr && event.detail.xhr.responseText) {
      target.innerHTML = event.detail.xhr.responseText;
    }
  });
});
