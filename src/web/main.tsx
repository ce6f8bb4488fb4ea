import { render } from 'hono/jsx/dom';
import { App } from './app';
import { startSession } from './session';

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app element');
startSession();
render(<App />, root);
