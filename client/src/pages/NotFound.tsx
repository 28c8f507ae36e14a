import { Link } from 'react-router';
import { Empty } from '../components/ui';

export function NotFound() {
  return (
    <Empty title="There is no page here.">
      <Link to="/">Back to your apps</Link>
    </Empty>
  );
}
