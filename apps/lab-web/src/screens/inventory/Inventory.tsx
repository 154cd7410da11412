// Inventory: the alerts (low stock, lots expiring soon), the items with search and filters, create an
// item; the item's page shows its lots, receives a lot, and takes stock from one (consumption).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client.ts';
import type { components } from '../../api/generated/lab.d.ts';
import { apiData, problemOf } from '../../components/api-data.ts';
import { fieldError, ProblemAlert, TextField } from '../../components/forms.tsx';
import { Pager } from '../../components/Pager.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { SelectField } from '../../components/SelectField.tsx';
import '../lims/lims.css';

type Lot = components['schemas']['StockLot'];
const LIMIT = 50;
const EXPIRING_DAYS = 30;
const itemLink = (code: string) => `/inventory/items/${encodeURIComponent(code)}`;

/** A number field's text as the API's number; an empty field stays empty so the API names it. */
const numberOrUndefined = (text: string) => (text.trim() === '' ? undefined : Number(text));

// Keys apart from the dashboard's, which caches these routes as bare arrays.
function Alerts() {
  const low = useQuery({
    queryKey: ['inventory', 'alerts', 'low-stock'],
    queryFn: () => apiData(api.GET('/api/inventory/alerts/low-stock')),
  });
  const expiring = useQuery({
    queryKey: ['inventory', 'alerts', 'expiring', EXPIRING_DAYS],
    queryFn: () =>
      apiData(api.GET('/api/inventory/alerts/expiring', { params: { query: { days: EXPIRING_DAYS } } })),
  });
  return (
    <div className="two-up">
      <section aria-labelledby="low-stock-title" className="panel">
        <h2 id="low-stock-title">Low stock</h2>
        <QueryState
          query={low}
          empty="No item is below its reorder point."
          isEmpty={(d) => d.items.length === 0}
        >
          {(d) => (
            <ul aria-labelledby="low-stock-title">
              {d.items.map((i) => (
                <li key={i.item_code}>
                  <Link to={itemLink(i.item_code)}>{i.item_code}</Link>: {i.current_stock} {i.unit} (reorder
                  at {i.reorder_point})
                </li>
              ))}
            </ul>
          )}
        </QueryState>
      </section>
      <section aria-labelledby="expiring-title" className="panel">
        <h2 id="expiring-title">Expiring within {EXPIRING_DAYS} days</h2>
        <QueryState query={expiring} empty="No lot expires soon." isEmpty={(d) => d.items.length === 0}>
          {(d) => (
            <ul aria-labelledby="expiring-title">
              {d.items.map((l) => (
                <li key={l.lot_number}>
                  Lot {l.lot_number} of <Link to={itemLink(l.item_code)}>{l.item_code}</Link>: expires{' '}
                  {l.expiration_date}, {l.quantity_remaining} {l.unit} left
                </li>
              ))}
            </ul>
          )}
        </QueryState>
      </section>
    </div>
  );
}

export function InventoryScreen() {
  const [q, setQ] = useState('');
  const [category, setCategory] = useState('');
  const [lowOnly, setLowOnly] = useState(false);
  const [offset, setOffset] = useState(0);
  const filter = {
    q: q.trim() || undefined,
    category: category.trim() || undefined,
    low_stock: lowOnly || undefined,
  };
  const items = useQuery({
    queryKey: ['inventory', 'items', filter, offset],
    queryFn: () =>
      apiData(api.GET('/api/inventory/items', { params: { query: { limit: LIMIT, offset, ...filter } } })),
  });
  const reset =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setOffset(0);
    };
  return (
    <main className="lims">
      <h1>Inventory</h1>
      <Alerts />
      <h2>Items</h2>
      <div className="filters">
        <div>
          <TextField id="item-search" label="Search" type="search" value={q} onChange={reset(setQ)} />
        </div>
        <div>
          <TextField
            id="item-category-filter"
            label="Category"
            value={category}
            onChange={reset(setCategory)}
          />
        </div>
        <label className="check">
          <input type="checkbox" checked={lowOnly} onChange={(e) => reset(setLowOnly)(e.target.checked)} />
          Low stock only
        </label>
      </div>
      <QueryState query={items} empty="No items match." isEmpty={(d) => d.items.length === 0}>
        {(page) => (
          <>
            <table>
              <caption className="visually-hidden">Inventory items</caption>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">Name</th>
                  <th scope="col">Category</th>
                  <th scope="col">Stock</th>
                  <th scope="col">Reorder point</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((i) => (
                  <tr key={i.item_code}>
                    <td>
                      <Link to={itemLink(i.item_code)}>{i.item_code}</Link>
                    </td>
                    <td>{i.name}</td>
                    <td>{i.category}</td>
                    <td>
                      {i.current_stock} {i.unit}
                      {i.low_stock && <strong className="bad"> low</strong>}
                    </td>
                    <td>{i.reorder_point}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager
              offset={offset}
              limit={LIMIT}
              nextOffset={page.next_offset}
              onChange={setOffset}
              label="Items"
            />
          </>
        )}
      </QueryState>
      <CreateItem />
    </main>
  );
}

const ITEM_FIELDS = [
  'item_code',
  'name',
  'category',
  'unit',
  'min_stock',
  'reorder_point',
  'vendor_id',
] as const;

function CreateItem() {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [v, setV] = useState({
    item_code: '',
    name: '',
    category: '',
    unit: '',
    min_stock: '',
    reorder_point: '',
  });
  const set = (key: keyof typeof v) => (value: string) => setV({ ...v, [key]: value });
  const create = useMutation({
    mutationFn: () =>
      apiData(
        api.POST('/api/inventory/items', {
          body: {
            item_code: v.item_code,
            name: v.name,
            category: v.category,
            unit: v.unit,
            min_stock: numberOrUndefined(v.min_stock),
            reorder_point: numberOrUndefined(v.reorder_point),
          },
        }),
      ),
    onSuccess: async (item) => {
      await client.invalidateQueries({ queryKey: ['inventory'] });
      await navigate(itemLink(item.item_code));
    },
  });
  const problem = problemOf(create.error);
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  const field = (
    key: keyof typeof v,
    label: string,
    extra: { inputMode?: 'decimal'; hint?: string } = {},
  ) => (
    <TextField
      id={`item-${key}`}
      label={label}
      value={v[key]}
      onChange={set(key)}
      error={fieldError(problem, key)}
      {...extra}
    />
  );
  return (
    <section aria-labelledby="create-item-title" className="panel">
      <h2 id="create-item-title">New item</h2>
      <form onSubmit={submit} noValidate className="stack">
        <ProblemAlert problem={problem} fields={ITEM_FIELDS} />
        {field('item_code', 'Item code')}
        {field('name', 'Name')}
        {field('category', 'Category', { hint: 'e.g. solvent, reagent, consumable' })}
        {field('unit', 'Unit', { hint: 'e.g. mL, g, each' })}
        {field('min_stock', 'Minimum stock', { inputMode: 'decimal' })}
        {field('reorder_point', 'Reorder point', { inputMode: 'decimal' })}
        <button type="submit" disabled={create.isPending}>
          Create item
        </button>
      </form>
    </section>
  );
}

const LOT_FIELDS = ['lot_number', 'quantity', 'received_date', 'expiration_date', 'location'] as const;

function ReceiveLot({ itemCode }: { itemCode: string }) {
  const client = useQueryClient();
  const empty = { lot_number: '', quantity: '', received_date: '', expiration_date: '', location: '' };
  const [v, setV] = useState(empty);
  const set = (key: keyof typeof v) => (value: string) => setV({ ...v, [key]: value });
  const receive = useMutation({
    mutationFn: () =>
      apiData(
        api.POST('/api/inventory/lots', {
          body: {
            lot_number: v.lot_number,
            item_code: itemCode,
            quantity: Number(v.quantity),
            received_date: v.received_date || undefined,
            expiration_date: v.expiration_date || undefined,
            location: v.location || undefined,
          },
        }),
      ),
    onSuccess: async () => {
      setV(empty);
      await client.invalidateQueries({ queryKey: ['inventory'] });
    },
  });
  const problem = problemOf(receive.error);
  function submit(event: FormEvent) {
    event.preventDefault();
    receive.mutate();
  }
  return (
    <section aria-labelledby="receive-lot-title" className="panel">
      <h2 id="receive-lot-title">Receive a lot</h2>
      <form onSubmit={submit} noValidate className="stack">
        <ProblemAlert problem={problem} fields={LOT_FIELDS} />
        <TextField
          id="lot-number"
          label="Lot number"
          value={v.lot_number}
          onChange={set('lot_number')}
          error={fieldError(problem, 'lot_number')}
        />
        <TextField
          id="lot-quantity"
          label="Quantity"
          inputMode="decimal"
          value={v.quantity}
          onChange={set('quantity')}
          error={fieldError(problem, 'quantity')}
        />
        <TextField
          id="lot-received"
          label="Received on"
          type="date"
          value={v.received_date}
          onChange={set('received_date')}
          error={fieldError(problem, 'received_date')}
          hint="Empty: today"
        />
        <TextField
          id="lot-expires"
          label="Expires on"
          type="date"
          value={v.expiration_date}
          onChange={set('expiration_date')}
          error={fieldError(problem, 'expiration_date')}
        />
        <TextField
          id="lot-location"
          label="Storage location"
          value={v.location}
          onChange={set('location')}
          error={fieldError(problem, 'location')}
        />
        <button type="submit" disabled={receive.isPending}>
          Receive lot
        </button>
      </form>
    </section>
  );
}

function Consume({ lots }: { lots: Lot[] }) {
  const client = useQueryClient();
  const usable = lots.filter((l) => l.status === 'available' && l.quantity_remaining > 0);
  const [lot, setLot] = useState(usable[0]?.lot_number ?? '');
  const [quantity, setQuantity] = useState('');
  const [reason, setReason] = useState('');
  const consume = useMutation({
    mutationFn: () =>
      apiData(
        api.POST('/api/inventory/lots/{lot}/consume', {
          params: { path: { lot } },
          body: { quantity: Number(quantity), reason: reason || undefined },
        }),
      ),
    onSuccess: async () => {
      setQuantity('');
      setReason('');
      await client.invalidateQueries({ queryKey: ['inventory'] });
    },
  });
  const problem = problemOf(consume.error);
  function submit(event: FormEvent) {
    event.preventDefault();
    consume.mutate();
  }
  if (usable.length === 0) return <p className="muted">No lot is available to take from.</p>;
  return (
    <section aria-labelledby="consume-title" className="panel">
      <h2 id="consume-title">Take stock (consumption)</h2>
      <form onSubmit={submit} noValidate className="stack">
        <ProblemAlert problem={problem} fields={['quantity', 'reason']} />
        <SelectField
          id="consume-lot"
          label="Lot"
          value={lot}
          onChange={setLot}
          options={usable.map((l) => ({
            value: l.lot_number,
            label: `${l.lot_number} (${l.quantity_remaining} ${l.unit} left${l.expiration_date ? `, expires ${l.expiration_date}` : ''})`,
          }))}
        />
        <TextField
          id="consume-quantity"
          label="Quantity"
          inputMode="decimal"
          value={quantity}
          onChange={setQuantity}
          error={fieldError(problem, 'quantity')}
        />
        <TextField
          id="consume-reason"
          label="Reason (optional)"
          value={reason}
          onChange={setReason}
          error={fieldError(problem, 'reason')}
        />
        <button type="submit" disabled={consume.isPending}>
          Consume
        </button>
      </form>
    </section>
  );
}

export function ItemDetailScreen() {
  const itemCode = useParams().itemCode ?? '';
  const item = useQuery({
    queryKey: ['inventory', 'item', itemCode],
    queryFn: () => apiData(api.GET('/api/inventory/items/{itemCode}', { params: { path: { itemCode } } })),
  });
  return (
    <main className="lims">
      <p>
        <Link to="/inventory">← Inventory</Link>
      </p>
      <h1>Item {itemCode}</h1>
      <QueryState query={item}>
        {(i) => (
          <>
            <dl className="facts">
              <dt>Name</dt>
              <dd>{i.name}</dd>
              <dt>Category</dt>
              <dd>{i.category}</dd>
              <dt>Stock</dt>
              <dd>
                <output aria-label="Current stock">
                  {i.current_stock} {i.unit}
                </output>
                {i.low_stock && <strong className="bad"> below the reorder point</strong>}
              </dd>
              <dt>Minimum stock</dt>
              <dd>{i.min_stock}</dd>
              <dt>Reorder point</dt>
              <dd>{i.reorder_point}</dd>
              <dt>Vendor</dt>
              <dd>{i.vendor_id ?? '—'}</dd>
            </dl>
            <h2 id="lots-title">Lots (soonest expiring first)</h2>
            {i.lots.length === 0 ? (
              <p className="muted">No lot received yet.</p>
            ) : (
              <table aria-labelledby="lots-title">
                <thead>
                  <tr>
                    <th scope="col">Lot</th>
                    <th scope="col">Status</th>
                    <th scope="col">Remaining</th>
                    <th scope="col">Received</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Location</th>
                  </tr>
                </thead>
                <tbody>
                  {i.lots.map((l) => (
                    <tr key={l.lot_number}>
                      <td>{l.lot_number}</td>
                      <td>
                        <span className={`status status-${l.status}`}>{l.status}</span>
                      </td>
                      <td>
                        {l.quantity_remaining} / {l.quantity_received} {l.unit}
                      </td>
                      <td>{l.received_date}</td>
                      <td>{l.expiration_date ?? '—'}</td>
                      <td>{l.location ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <div className="two-up">
              <Consume key={i.lots.map((l) => l.lot_number).join()} lots={i.lots} />
              <ReceiveLot itemCode={i.item_code} />
            </div>
          </>
        )}
      </QueryState>
    </main>
  );
}
