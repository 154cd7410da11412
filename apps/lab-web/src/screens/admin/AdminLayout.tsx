// The administration area: its own navigation above the current page.
import { NavLink, Outlet } from 'react-router';
import './admin.css';

export default function AdminLayout() {
  return (
    <main className="admin">
      <h1>Administration</h1>
      <nav aria-label="Administration" className="admin-tabs">
        <NavLink to="/admin" end>
          Users
        </NavLink>
        <NavLink to="/admin/mfa-policy">MFA policy</NavLink>
        <NavLink to="/admin/sites">Organizations and labs</NavLink>
      </nav>
      <Outlet />
    </main>
  );
}
