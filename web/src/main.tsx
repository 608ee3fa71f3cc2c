import { render } from "preact";
import { App } from "./App.js";
import "./styles.css";

const root = document.getElementById("app")!;
root.textContent = ""; // drop the "Loading…" placeholder
render(<App />, root);
