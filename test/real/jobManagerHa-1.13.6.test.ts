import { jobManagerHaSuite } from './jobManagerHaSuite';

jobManagerHaSuite('1.13.6');
