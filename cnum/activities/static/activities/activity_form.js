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

// A search box above a list of checkboxes shows only the choices whose label holds every word typed (case and
// accents ignored); checked choices always stay visible.
document.addEventListener("DOMContentLoaded", () => {
  const plain = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  document.querySelectorAll("[data-filter-choices]").forEach((search) => {
    const list = document.querySelector(`[data-choices-of="${search.dataset.filterChoices}"]`);
    if (!list) return;
    search.addEventListener("input", () => {
      const words = plain(search.value).split(/\s+/).filter(Boolean);
      list.querySelectorAll(".fr-checkbox-group, .fr-fieldset__element").forEach((choice) => {
        const input = choice.querySelector("input[type=checkbox]");
        if (!input) return;
        const label = plain(choice.textContent);
        choice.hidden = !input.checked && !words.every((word) => label.includes(word));
      });
    });
  });
});
