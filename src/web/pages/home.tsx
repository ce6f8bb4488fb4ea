import { HealthPanel } from '../components/health-panel';

export function HomePage() {
  return (
    <>
      <section class="hero">
        <h1 data-testid="product-name">Hearth</h1>
        <p class="pitch" data-testid="pitch">
          Accounts, realtime rooms, coworking sessions and file sharing, running on the edge.
        </p>
        <p class="actions">
          <a class="button" href="/api/docs" data-testid="docs-link">
            Explore the API
          </a>
        </p>
      </section>
      <HealthPanel />
    </>
  );
}
