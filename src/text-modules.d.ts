// Wrangler and the vitest plugin import *.txt files as Text modules (their default module rules).
declare module '*.txt' {
  const text: string;
  export default text;
}
