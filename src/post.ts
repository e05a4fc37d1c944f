// The action's post step entry (dist/post.js): completes a check run the main step left in progress.
import { runPost } from './post-step.js';

void runPost();
