// The dashboards' charts and tables. The page renders at once; this module then fetches the page's JSON
// (data-source on [data-dashboard]) and draws each chart with Chart.js (served from /static/vendor/chartjs, a
// global `Chart`). Every chart has its data as a table in a <details> beside it, for screen readers and for
// anyone who wants the numbers. Colours come from the theme's CSS variables and follow a theme switch.

import { api } from "./api.js";

const charts = [];

function themeColours() {
  const css = getComputedStyle(document.documentElement);
  const read = (name) => css.getPropertyValue(name).trim();
  return {
    fg: read("--fg"),
    muted: read("--muted"),
    border: read("--border"),
    series: [read("--accent"), read("--ok"), read("--bad"), read("--warn"), read("--info"), read("--muted")],
  };
}

function paint(type, index) {
  const c = themeColours();
  const colour = c.series[index % c.series.length];
  return { borderColor: colour, backgroundColor: type === "line" ? colour : colour + "cc", pointBackgroundColor: colour };
}

function applyTheme(chart) {
  const c = themeColours();
  const opts = chart.options;
  opts.color = c.fg;
  opts.borderColor = c.border;
  for (const axis of Object.values(opts.scales || {})) {
    axis.ticks = { ...(axis.ticks || {}), color: c.muted };
    axis.grid = { ...(axis.grid || {}), color: c.border };
    if (axis.title) axis.title.color = c.muted;
  }
  if (opts.plugins?.legend) opts.plugins.legend.labels = { ...(opts.plugins.legend.labels || {}), color: c.fg };
  chart.data.datasets.forEach((set, i) => Object.assign(set, paint(chart.config.type, i)));
}

function retheme() {
  for (const chart of charts) {
    applyTheme(chart);
    chart.update("none");
  }
}

new MutationObserver(retheme).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", retheme);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function fmt(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(1);
  return String(value);
}

// A <table class="data"> from a header row and rows of cells (strings, numbers, or nodes).
export function table(caption, header, rows, { numeric = [] } = {}) {
  const t = el("table", { class: "data" });
  if (caption) t.append(el("caption", { class: "visually-hidden", text: caption }));
  const head = el("tr");
  header.forEach((h, i) => head.append(el("th", { scope: "col", class: numeric.includes(i) ? "num" : null, text: h })));
  t.append(el("thead", {}, head));
  const body = el("tbody");
  for (const row of rows) {
    const tr = el("tr");
    row.forEach((cell, i) => {
      const td = el(i === 0 ? "th" : "td", { scope: i === 0 ? "row" : null, class: numeric.includes(i) ? "num" : null });
      if (cell instanceof Node) td.append(cell);
      else td.textContent = fmt(cell);
      tr.append(td);
    });
    body.append(tr);
  }
  t.append(body);
  // a wide or long table scrolls: keyboard users reach it with Tab and scroll it with the arrow keys
  return el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption || null }, t);
}

// A chart in `slot`, with its data table in a <details>. `series` is [{label, data}], one value per label.
export function chart(slot, { type = "bar", title, labels, series, stacked = false, yTitle }) {
  slot.replaceChildren();
  const canvas = el("canvas", { role: "img", "aria-label": `${title} (chart; the data table follows)` });
  const figure = el("figure", { class: "chart" }, el("div", { class: "chart-box" }, canvas));
  const rows = labels.map((label, i) => [label, ...series.map((s) => s.data[i])]);
  const details = el(
    "details",
    { class: "chart-data" },
    el("summary", { text: `${title}: data table` }),
    table(title, ["", ...series.map((s) => s.label)], rows, { numeric: series.map((_, i) => i + 1) }),
  );
  slot.append(figure, details);
  if (typeof window.Chart !== "function") {
    details.open = true; // no chart library: the table is the chart
    return null;
  }
  const instance = new window.Chart(canvas, {
    type,
    data: { labels, datasets: series.map((s, i) => ({ label: s.label, data: s.data, tension: 0.25, pointRadius: 2, ...paint(type, i) })) },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: series.length > 1 }, colors: { enabled: false } }, // the theme's colours only
      scales: {
        x: { stacked },
        y: { stacked, beginAtZero: true, title: yTitle ? { display: true, text: yTitle } : undefined },
      },
    },
  });
  applyTheme(instance);
  instance.update("none");
  charts.push(instance);
  return instance;
}

// Rows of {day, key, submissions} as one series per key over the days.
function pivot(rows) {
  const days = [...new Set(rows.map((r) => r.day))].sort();
  const keys = [...new Set(rows.map((r) => r.key))].sort();
  const at = new Map(rows.map((r) => [`${r.day}|${r.key}`, r.submissions]));
  return { labels: days, series: keys.map((k) => ({ label: k, data: days.map((d) => at.get(`${d}|${k}`) || 0) })) };
}

function slot(root, name) {
  return root.querySelector(`[data-slot="${name}"]`);
}

function empty(target, text) {
  target.replaceChildren(el("p", { class: "muted", text }));
}

function left(seconds) {
  if (seconds === null || seconds === undefined) return "no deadline";
  if (seconds <= 0) return "time is up";
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d) return `${d} d ${h} h left`;
  if (h) return `${h} h ${m} min left`;
  return `${m} min left`;
}

function link(href, text) {
  return el("a", { href, text });
}

const RENDER = {
  student(root, data) {
    const due = slot(root, "due");
    if (data.due.length === 0) empty(due, "Nothing is due or open right now.");
    else {
      due.replaceChildren(
        table(
          "Due and open",
          ["Assessment", "Course", "Kind", "State", "Due", "Time left"],
          data.due.map((d) => [
            link(`/courses/${d.courseId}/assessments/${d.assessmentId}`, d.title),
            d.courseCode,
            d.kind,
            d.state.replace("_", " "),
            d.dueAt ? new Date(d.dueAt).toLocaleString() : "–",
            left(d.secondsLeft),
          ]),
        ),
      );
    }
    const scores = slot(root, "scores");
    scores.replaceChildren();
    const courses = [...new Set(data.scores.map((p) => p.courseCode))];
    if (courses.length === 0) empty(scores, "No scores to show yet: they appear here once your instructors release them.");
    for (const code of courses) {
      const points = data.scores.filter((p) => p.courseCode === code);
      const box = el("div", { class: "chart-slot" });
      scores.append(el("h3", { text: code }), box);
      chart(box, {
        type: "line",
        title: `Scores in ${code}`,
        labels: points.map((p) => p.title),
        series: [{ label: "Score (out of 100)", data: points.map((p) => p.score) }],
        yTitle: "score",
      });
    }
    for (const [name, rows, title] of [
      ["difficulty", data.byDifficulty, "Practice problems by difficulty"],
      ["tags", data.byTag.slice(0, 12), "Practice problems by tag"],
    ]) {
      chart(slot(root, name), {
        title,
        labels: rows.map((r) => r.key),
        series: [
          { label: "solved", data: rows.map((r) => r.solved) },
          { label: "tried, not solved", data: rows.map((r) => r.attempted - r.solved) },
          { label: "not tried", data: rows.map((r) => r.total - r.attempted) },
        ],
        stacked: true,
      });
    }
    const recent = slot(root, "recent");
    if (data.recent.length === 0) empty(recent, "No submissions yet.");
    else {
      recent.replaceChildren(
        table(
          "Recent submissions",
          ["Problem", "Language", "Verdict", "Score", "When"],
          data.recent.map((s) => [
            link(`/submissions/${s.id}`, s.problemTitle),
            s.language,
            s.verdict || s.status,
            s.score,
            new Date(s.createdAt).toLocaleString(),
          ]),
          { numeric: [3] },
        ),
      );
    }
  },

  course(root, data) {
    chart(slot(root, "activity"), {
      type: "line",
      title: "Submissions per day",
      labels: data.activity.map((r) => r.day),
      series: [
        { label: "submissions", data: data.activity.map((r) => r.submissions) },
        { label: "students", data: data.activity.map((r) => r.students) },
      ],
    });
    const list = slot(root, "assessments");
    list.replaceChildren();
    if (data.assessments.length === 0) empty(list, "No assessments yet.");
    else {
      list.append(
        table(
          "Assessments",
          ["Assessment", "Kind", "Audience", "Started", "Submitted", "Completion %", "Mean", "Median"],
          data.assessments.map((a) => [
            a.title, a.kind, a.audience, a.started, a.submitted, a.completionPercent, a.mean, a.median,
          ]),
          { numeric: [2, 3, 4, 5, 6, 7] },
        ),
      );
    }
    for (const a of data.assessments.filter((x) => x.submitted > 0)) {
      const box = el("div", { class: "chart-slot" });
      list.append(el("h3", { text: `${a.title}: scores` }), box);
      chart(box, {
        title: `Score distribution of ${a.title}`,
        labels: data.bands,
        series: [{ label: "students", data: a.distribution }],
        yTitle: "students",
      });
      list.append(
        table(
          `Questions of ${a.title}`,
          ["Question", "Type", "Answered", "Mean %"],
          a.questions.map((q) => [`Q${q.position}`, q.type.replace("_", " "), q.answered, q.meanPercent]),
          { numeric: [2, 3] },
        ),
      );
    }
    heatmap(slot(root, "tests"), data.tests);
    const wrong = slot(root, "wrong");
    if (data.wrongOutputs.length === 0) empty(wrong, "No failed tests in this period.");
    else {
      wrong.replaceChildren(
        table(
          "Most common wrong outputs",
          ["Problem", "Test", "Verdict", "Output", "Times"],
          data.wrongOutputs.map((w) => [w.problemTitle, w.test, w.verdict, el("code", { text: w.output || "(none kept)" }), w.count]),
          { numeric: [1, 4] },
        ),
      );
    }
    const risk = slot(root, "risk");
    if (data.atRisk.length === 0) empty(risk, "Nobody is at risk by these rules.");
    else {
      risk.replaceChildren(
        table(
          "Students at risk",
          ["Student", "Reasons", "Missed", "Mean score", "Last active"],
          data.atRisk.map((s) => [
            link(s.drillDown, s.displayName),
            s.reasons.join("; "),
            s.missed,
            s.meanScore,
            s.lastActive ? new Date(s.lastActive).toLocaleDateString() : "never",
          ]),
          { numeric: [2, 3] },
        ),
      );
    }
  },

  analytics(root, data) {
    chart(slot(root, "active-days"), {
      type: "line",
      title: "Active users per day",
      labels: data.activePerDay.map((r) => r.period),
      series: [{ label: "users", data: data.activePerDay.map((r) => r.users) }],
    });
    chart(slot(root, "active-weeks"), {
      title: "Active users per week",
      labels: data.activePerWeek.map((r) => `week of ${r.period}`),
      series: [{ label: "users", data: data.activePerWeek.map((r) => r.users) }],
    });
    chart(slot(root, "languages"), { title: "Submissions per day by language", stacked: true, ...pivot(data.byLanguage) });
    chart(slot(root, "verdicts"), { title: "Submissions per day by verdict", stacked: true, ...pivot(data.byVerdict) });
    chart(slot(root, "queue-wait"), {
      type: "line",
      title: "Time from submission to verdict (ms)",
      labels: data.queueWait.map((r) => r.day),
      series: [
        { label: "p50", data: data.queueWait.map((r) => r.p50Ms) },
        { label: "p90", data: data.queueWait.map((r) => r.p90Ms) },
      ],
      yTitle: "ms",
    });
    chart(slot(root, "judge"), {
      title: "Judge work per day (CPU seconds)",
      labels: data.judgeUse.map((r) => r.day),
      series: [{ label: "CPU seconds", data: data.judgeUse.map((r) => r.cpuSeconds) }],
    });
    const now = slot(root, "fleet");
    now.textContent = data.slots
      ? `Now: ${data.busy} of ${data.slots} judge slots busy (${Math.round((100 * data.busy) / data.slots)} %).`
      : "Now: no judge worker is reporting.";
    slot(root, "courses").replaceChildren(
      table(
        "Usage per course",
        ["Course", "Title", "Students", "Active students", "Submissions"],
        data.courses.map((c) => [link(`/courses/${c.courseId}/dashboard`, c.code), c.title, c.students, c.activeStudents, c.submissions]),
        { numeric: [2, 3, 4] },
      ),
    );
  },
};

// Failure rate per problem (rows) and test (columns), each cell shaded by its rate.
function heatmap(target, tests) {
  if (tests.length === 0) {
    empty(target, "No judged tests in this period.");
    return;
  }
  const problems = [...new Set(tests.map((t) => t.problemTitle))];
  const most = Math.max(...tests.map((t) => t.test));
  const at = new Map(tests.map((t) => [`${t.problemTitle}|${t.test}`, t]));
  const header = ["Problem", ...Array.from({ length: most }, (_, i) => `Test ${i + 1}`)];
  const rows = problems.map((p) => [
    p,
    ...Array.from({ length: most }, (_, i) => {
      const t = at.get(`${p}|${i + 1}`);
      if (!t) return "–";
      const cell = el("span", {
        class: "heat",
        title: `test ${t.test} fails for ${fmt(t.failPercent)} % (${t.failures} of ${t.runs})`,
        text: `${fmt(t.failPercent)} %`,
      });
      cell.style.setProperty("--heat", `${Math.round(t.failPercent || 0)}%`);
      return cell;
    }),
  ]);
  target.replaceChildren(table("Failure rate per test", header, rows, { numeric: header.map((_, i) => i).slice(1) }));
}

async function load(root) {
  const status = root.querySelector("[data-dashboard-status]");
  try {
    const data = await api(root.dataset.source);
    RENDER[root.dataset.dashboard](root, data);
    if (status) status.textContent = "";
    root.dataset.loaded = "true";
  } catch (err) {
    if (status) status.textContent = `The dashboard could not be loaded: ${err.message}`;
  }
}

for (const root of document.querySelectorAll("[data-dashboard]")) load(root);
