import { App } from 'cdk8s';
import { Guardrails } from 'cnpg-gitops';
import { OrdersChart } from './orders-chart';

// `App.synth()` validates every construct: a guardrail error of production's pack fails it.
const app = new App();
const chart = new OrdersChart(app, 'orders');
Guardrails.apply(chart, { environment: 'production' });
app.synth();
