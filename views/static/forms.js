// Moves focus to the error summary of a form that came back with errors, so
// that screen readers announce the problems and keyboard users start there.
// The pages work without it.
document.addEventListener('DOMContentLoaded', () => {
  const summary = document.getElementById('error-summary');
  if (summary) summary.focus();
});
