/** The matrix's output formats (`--format`), apart from matrix.ts so the CLI's options need no engine. */
export type MatrixFormat = "table" | "json" | "markdown";
export const MATRIX_FORMATS: readonly MatrixFormat[] = ["table", "json", "markdown"];
