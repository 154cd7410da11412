// The compliance area: one heading and a sub-navigation; each screen renders below it.
import { NavLink, Outlet } from 'react-router';
import './compliance.css';

const SCREENS = [
  { to: '/compliance', label: 'Audit trail' },
  { to: '/compliance/verify', label: 'Verify chain' },
  { to: '/compliance/checkpoints', label: 'Checkpoints' },
  { to: '/compliance/signatures', label: 'Signatures' },
  { to: '/compliance/reviews', label: 'Audit-trail reviews' },
] as const;

export default function ComplianceLayout() {
  return (
    <main className="compliance">
      <h1>Compliance</h1>
      <nav aria-label="Compliance" className="subnav">
        <ul>
          {SCREENS.map((s) => (
            <li key={s.to}>
              <NavLink to={s.to} end>
                {s.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Outlet />
    </main>
  );
}
