// A placeholder that says so, for an area whose screens are not built yet (docs/ui.md lists them).
export function NotBuiltYet({ title }: { title: string }) {
  return (
    <main>
      <h1>{title}</h1>
      <p className="muted">This screen is not built yet.</p>
    </main>
  );
}
