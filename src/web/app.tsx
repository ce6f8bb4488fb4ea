import { useEffect } from 'hono/jsx/dom';
import { Layout } from './layout';
import { NotFoundPage } from './pages/not-found';
import { matchRoute, usePathname } from './router';
import { routes } from './routes';

export function App() {
  const pathname = usePathname();
  const match = matchRoute(routes, pathname);
  const title = match ? match.route.title : 'Not found';

  useEffect(() => {
    document.title = title === 'Home' ? 'Hearth' : `${title} · Hearth`;
  }, [title]);

  const View = match?.route.view ?? NotFoundPage;
  return (
    <Layout>
      <View params={match?.params ?? {}} />
    </Layout>
  );
}
