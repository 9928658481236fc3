import { Link, useParams } from '@tanstack/react-router';

const SECTIONS = [
  ['/tenants/$tenantId/overview', 'Overview'],
  ['/tenants/$tenantId/users', 'Users'],
  ['/tenants/$tenantId/keys', 'API keys'],
  ['/tenants/$tenantId/events', 'Events'],
  ['/tenants/$tenantId/directory', 'Schema'],
  ['/tenants/$tenantId/groups', 'Groups & companies'],
  ['/tenants/$tenantId/webhooks', 'Webhooks'],
  ['/tenants/$tenantId/imports', 'Imports'],
  ['/tenants/$tenantId/providers', 'Identity providers'],
  ['/tenants/$tenantId/settings', 'Settings'],
] as const;

/** The sections of the tenant in the URL, on every tenant page. */
export function TenantNav() {
  const { tenantId } = useParams({ strict: false }) as { tenantId?: string };
  if (!tenantId) return null;
  return (
    <nav aria-label="Tenant" className="flex flex-wrap gap-1 border-b border-slate-200 px-4 py-1 dark:border-slate-700">
      {SECTIONS.map(([to, label]) => (
        <Link
          key={to}
          to={to}
          params={{ tenantId }}
          className="navlink"
          activeProps={{ 'aria-current': 'page', className: 'font-semibold underline' }}
        >
          {label}
        </Link>
      ))}
    </nav>
  );
}
