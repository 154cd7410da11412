// The signed-in user: who they are, their roles, and the two things they can change themselves.
import { Link } from 'react-router';
import { useSession } from '../../auth/session.tsx';
import './account.css';

export default function Account() {
  const { user, idleTimeoutSeconds } = useSession();
  if (!user) return null;
  return (
    <main className="account">
      <h1>Your account</h1>
      <dl>
        <dt>Name</dt>
        <dd>{user.name}</dd>
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Roles</dt>
        <dd>{user.roles.length ? user.roles.join(', ') : 'none'}</dd>
        {idleTimeoutSeconds !== null && (
          <>
            <dt>Idle timeout</dt>
            <dd>{Math.round(idleTimeoutSeconds / 60)} minutes without activity signs you out</dd>
          </>
        )}
      </dl>
      <ul>
        <li>
          <Link to="/account/password">Change password</Link>
        </li>
        <li>
          <Link to="/account/mfa">Set up two-factor authentication</Link>
        </li>
      </ul>
    </main>
  );
}
