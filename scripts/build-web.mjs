// Temporary: the web build lands with the web app shell.
