// What the editor needs per language: Monaco's language id and the starter code a new draft begins with.

const LANGUAGES = {
  python3: {
    monaco: "python",
    starter: "import sys\n\n\ndef main() -> None:\n    data = sys.stdin.read().split()\n    # your solution here\n\n\nmain()\n",
  },
  c: {
    monaco: "c",
    starter: "#include <stdio.h>\n\nint main(void) {\n    /* your solution here */\n    return 0;\n}\n",
  },
  cpp17: {
    monaco: "cpp",
    starter:
      "#include <bits/stdc++.h>\nusing namespace std;\n\nint main() {\n    ios::sync_with_stdio(false);\n    cin.tie(nullptr);\n    // your solution here\n    return 0;\n}\n",
  },
  java: {
    monaco: "java",
    starter:
      "import java.io.*;\nimport java.util.*;\n\npublic class Main {\n    public static void main(String[] args) throws IOException {\n        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));\n        // your solution here\n    }\n}\n",
  },
  javascript: {
    monaco: "javascript",
    starter:
      "const input = require(\"fs\").readFileSync(0, \"utf8\").trim().split(/\\s+/);\n// your solution here\n",
  },
  rust: {
    monaco: "rust",
    starter:
      "use std::io::{self, Read};\n\nfn main() {\n    let mut input = String::new();\n    io::stdin().read_to_string(&mut input).unwrap();\n    // your solution here\n}\n",
  },
  go: {
    monaco: "go",
    starter: "package main\n\nimport \"fmt\"\n\nfunc main() {\n\t// your solution here\n\tfmt.Println()\n}\n",
  },
  ruby: {
    monaco: "ruby",
    starter: "data = $stdin.read.split\n# your solution here\n",
  },
  kotlin: {
    monaco: "kotlin",
    starter: "fun main() {\n    val words = generateSequence(::readLine).flatMap { it.split(\" \").asSequence() }\n    // your solution here\n}\n",
  },
  csharp: {
    monaco: "csharp",
    starter:
      "using System;\nusing System.IO;\n\npublic static class Program {\n    public static void Main() {\n        string input = Console.In.ReadToEnd();\n        // your solution here\n    }\n}\n",
  },
};
LANGUAGES.cpp20 = LANGUAGES.cpp17;

export function languageInfo(id) {
  return LANGUAGES[id] || { monaco: "plaintext", starter: "" };
}

// highlight.js names, for showing a submission's source
export function highlightName(id) {
  const info = LANGUAGES[id];
  return info ? info.monaco : "plaintext";
}
