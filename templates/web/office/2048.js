/* 2048, offline: a 4×4 board, arrows, swipes and buttons. No network, best score in localStorage. */
(function () {
  "use strict";
  var N = 4, grid, score, over, boardEl = document.getElementById("board");
  if (!boardEl) { return; }
  var scoreEl = document.getElementById("score"), bestEl = document.getElementById("best"),
      statusEl = document.getElementById("status");

  function best() { try { return parseInt(localStorage.getItem("ttr2048") || "0", 10) || 0; } catch (e) { return 0; } }
  function saveBest(v) { try { localStorage.setItem("ttr2048", String(v)); } catch (e) { /* private mode */ } }

  function empty() { var out = []; for (var i = 0; i < N * N; i++) { if (!grid[i]) { out.push(i); } } return out; }
  function spawn() { var e = empty(); if (e.length) { grid[e[Math.floor(Math.random() * e.length)]] = Math.random() < 0.9 ? 2 : 4; } }

  function start() { grid = []; for (var i = 0; i < N * N; i++) { grid.push(0); } score = 0; over = false; spawn(); spawn(); draw(); }

  function line(idx) { return idx.map(function (i) { return grid[i]; }); }
  function slide(values) {
    var v = values.filter(function (x) { return x; }), out = [];
    for (var i = 0; i < v.length; i++) {
      if (v[i] === v[i + 1]) { out.push(v[i] * 2); score += v[i] * 2; i++; } else { out.push(v[i]); }
    }
    while (out.length < N) { out.push(0); }
    return out;
  }
  function lines(dir) {
    var all = [];
    for (var a = 0; a < N; a++) {
      var idx = [];
      for (var b = 0; b < N; b++) {
        if (dir === "left") { idx.push(a * N + b); } else if (dir === "right") { idx.push(a * N + (N - 1 - b)); }
        else if (dir === "up") { idx.push(b * N + a); } else { idx.push((N - 1 - b) * N + a); }
      }
      all.push(idx);
    }
    return all;
  }
  function canMove() {
    if (empty().length) { return true; }
    for (var r = 0; r < N; r++) { for (var c = 0; c < N; c++) {
      var v = grid[r * N + c];
      if ((c < N - 1 && grid[r * N + c + 1] === v) || (r < N - 1 && grid[(r + 1) * N + c] === v)) { return true; }
    } }
    return false;
  }
  function move(dir) {
    if (over) { return; }
    var moved = false;
    lines(dir).forEach(function (idx) {
      var before = line(idx), after = slide(before);
      idx.forEach(function (i, k) { if (grid[i] !== after[k]) { moved = true; } grid[i] = after[k]; });
    });
    if (moved) { spawn(); }
    if (!canMove()) { over = true; }
    draw();
  }
  function draw() {
    boardEl.textContent = "";
    var won = false;
    grid.forEach(function (v) {
      var d = document.createElement("div");
      if (v) { d.textContent = String(v); d.className = v > 2048 ? "tbig" : "t" + v; }
      if (v >= 2048) { won = true; }
      boardEl.appendChild(d);
    });
    scoreEl.textContent = String(score);
    if (score > best()) { saveBest(score); }
    bestEl.textContent = String(best());
    statusEl.textContent = over ? "Partie terminée ! Touchez ↺ pour rejouer." : (won ? "Bravo, 2048 atteint !" : "");
    boardEl.setAttribute("aria-label", "Plateau 2048, score " + score);
  }

  document.addEventListener("keydown", function (e) {
    var map = {ArrowLeft: "left", ArrowRight: "right", ArrowUp: "up", ArrowDown: "down"};
    if (map[e.key]) { e.preventDefault(); move(map[e.key]); }
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-move]"), function (b) {
    b.addEventListener("click", function () { move(b.getAttribute("data-move")); });
  });
  document.getElementById("restart").addEventListener("click", start);
  var sx = 0, sy = 0;
  boardEl.addEventListener("touchstart", function (e) { sx = e.touches[0].clientX; sy = e.touches[0].clientY; }, {passive: true});
  boardEl.addEventListener("touchend", function (e) {
    var dx = e.changedTouches[0].clientX - sx, dy = e.changedTouches[0].clientY - sy;
    if (Math.max(Math.abs(dx), Math.abs(dy)) < 24) { return; }
    move(Math.abs(dx) > Math.abs(dy) ? (dx > 0 ? "right" : "left") : (dy > 0 ? "down" : "up"));
  });
  window.ttr2048 = {move: move, grid: function () { return grid.slice(); }, restart: start};
  start();
})();
