// The debrief question pages, improved when JavaScript runs (they work without it).
// 1. Tell the server follow-up questions are revealed in place, so a save can check them.
// 2. Reveal follow-ups that several answers reveal (GOV.UK's conditional reveal handles
//    the ones a single answer reveals).
for (const flag of document.querySelectorAll("[data-app-reveal]")) {
  flag.value = "js";
}

for (const block of document.querySelectorAll("[data-app-show-if]")) {
  const form = block.closest("form");
  const name = block.dataset.appShowIf;
  const answers = block.dataset.appShowAnswers.split(" ");
  const inputs = [...form.querySelectorAll("input")].filter((i) => i.name === name);
  const update = () => {
    const shown = inputs.some((i) => i.checked && answers.includes(i.value));
    block.hidden = !shown;
    for (const input of inputs) {
      if (answers.includes(input.value)) {
        input.setAttribute("aria-controls", block.id);
        input.setAttribute("aria-expanded", String(shown));
      }
    }
  };
  block.id ||= `conditional-${name}-${answers.join("-")}`;
  for (const input of inputs) {
    input.addEventListener("change", update);
  }
  update();
}
