import { HomePage } from './pages/home';
import type { Route } from './router';

/**
 * Every screen of the web app. Order matters: the first match wins.
 * New screens (sign in, rooms, files) add a line here and a file in pages/.
 */
export const routes: readonly Route[] = [{ path: '/', title: 'Home', view: HomePage, nav: 'Home' }];
