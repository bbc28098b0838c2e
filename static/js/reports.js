/*
 * Report filters: typing a date chooses "From … to …", and choosing a preset period clears the dates, so the
 * form says what will be shown. Without JavaScript the same form works: the period decides, dates count for
 * "From … to …" only.
 */
(function () {
  "use strict";

  var period = document.getElementById("id_period");
  var dates = [document.getElementById("id_start"), document.getElementById("id_end")];
  if (!period || !dates[0] || !dates[1]) {
    return;
  }
  dates.forEach(function (input) {
    input.addEventListener("change", function () {
      if (input.value) {
        period.value = "custom";
      }
    });
  });
  period.addEventListener("change", function () {
    if (period.value !== "custom") {
      dates.forEach(function (input) {
        input.value = "";
      });
    }
  });
})();
