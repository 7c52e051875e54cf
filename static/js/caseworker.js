// caseworker: keyboard paging in the document viewer (← →) through the page's rel=prev/next links.
document.addEventListener("keydown", function (event) {
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  var target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  var rel = event.key === "ArrowLeft" ? "prev" : event.key === "ArrowRight" ? "next" : null;
  if (!rel) return;
  var link = document.querySelector('.page-bar a[rel="' + rel + '"]');
  if (link) { event.preventDefault(); window.location.href = link.href; }
});
