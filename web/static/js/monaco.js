// Loading the vendored Monaco editor (web/package.json → /static/vendor/monaco), once per page. Workers start from
// a blob: URL that loads Monaco's worker code from this site (the CSP allows both), as on the problem page.
let loading = null;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

export function loadMonaco() {
  if (loading) return loading;
  const base = "/static/vendor/monaco/vs";
  window.MonacoEnvironment = {
    getWorkerUrl() {
      const origin = window.location.origin;
      const code = `self.MonacoEnvironment = { baseUrl: "${origin}/static/vendor/monaco/" };\nimportScripts("${origin}${base}/base/worker/workerMain.js");`;
      return URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
    },
  };
  loading = loadScript(`${base}/loader.js`).then(() => {
    window.require.config({ paths: { vs: base } });
    return new Promise((resolve, reject) => window.require(["vs/editor/editor.main"], () => resolve(window.monaco), reject));
  });
  return loading;
}
