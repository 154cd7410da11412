// What a signed-in user sees on a screen their roles do not open: one clear panel instead of the 403
// answers each of its lists would get.
import { Link } from 'react-router';

export function NoAccess() {
  return (
    <main>
      <h1>You do not have access to this page</h1>
      <section className="card" aria-label="Why">
        <p>Your roles do not allow this page. An administrator can grant you a role that does.</p>
        <p>
          <Link to="/">Back to the dashboard</Link>
        </p>
      </section>
    </main>
  );
}
