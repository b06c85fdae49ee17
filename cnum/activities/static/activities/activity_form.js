// Shows the fieldsets of the chosen activity type (individual or collective), and the site or the commune field
// according to the chosen place. Without JavaScript, all are shown and the server ignores the fields that do not
// apply (ActivityForm.clean).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-activity-form]");
  if (!form) return;
  const update = () => {
    const type = form.querySelector("input[name=type]:checked");
    form.querySelectorAll("[data-only-for]").forEach((fieldset) => {
      fieldset.hidden = type !== null && fieldset.dataset.onlyFor !== type.value;
    });
    const place = form.querySelector("input[name=place_type]:checked");
    form.querySelectorAll("[data-only-for-place]").forEach((block) => {
      block.hidden = place !== null && !block.dataset.onlyForPlace.split(" ").includes(place.value);
    });
  };
  form.addEventListener("change", update);
  update();
});
