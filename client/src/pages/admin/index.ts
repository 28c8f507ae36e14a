// The admin console's pages, loaded as one chunk the first time an admin opens it.
export { AdminLayout } from './AdminLayout';
export { AdminOverview } from './Overview';
export { AdminOrganizations } from './Organizations';
export { AdminOrganization } from './Organization';
export { AdminUsers } from './Users';
export { AdminUser } from './User';
export { AdminPlans } from './Plans';
export { AdminSettings } from './Settings';
export { AdminBilling } from './Billing';
export { AdminActivity } from './Activity';
