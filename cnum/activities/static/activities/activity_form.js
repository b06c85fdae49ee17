// Shows the fieldsets of the chosen activity type (individual or collective). Without JavaScript, all are shown
// and the server ignores the fields of the other type.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-activity-form]");
  if (!form) return;
  const update = () => {
    const checked = form.querySelector("input[name=type]:checked");
    form.querySelectorAll("[data-only-for]").forEach((fieldset) => {
      fieldset.hidden = checked !== null && fieldset.dataset.onlyFor !== checked.value;
    });
  };
  form.addEventListener("change", update);
  update();
});
