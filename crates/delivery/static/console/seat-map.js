// The seat map of a room with a layout (rows × columns, issue 13): one tile per place along the
// rows, each saying its seat, the candidate sitting there and their status in words (colour is
// never the only cue). Drawn from the candidates list; the start page refreshes it with the
// overview.

import { h } from './dom.js';
import { addStrings, t } from './i18n.js';
import { statusText } from './common.js';

addStrings({
  vi: { 'map.title': 'Sơ đồ chỗ ngồi', 'map.room': 'Phòng', 'map.none': 'Chưa phòng nào có sơ đồ (nhập số hàng và số cột khi thêm phòng).',
    'map.seat': 'Ghế {seat}', 'map.empty': 'trống', 'map.label': 'Sơ đồ phòng {room}: {rows} hàng × {columns} cột' },
  en: { 'map.title': 'Seat map', 'map.room': 'Room', 'map.none': 'No room has a layout yet (give rows and columns when adding a room).',
    'map.seat': 'Seat {seat}', 'map.empty': 'empty', 'map.label': 'Room {room} seat map: {rows} rows × {columns} columns' },
});

/** The map of `room` (`{id, name, seats, layout: {rows, columns}}`) with `candidates` of the event. */
export function seatMap(room, candidates) {
  const { rows, columns } = room.layout;
  const bySeat = new Map(candidates.filter((c) => c.room_id === room.id).map((c) => [c.seat, c]));
  const tiles = [];
  for (let seat = 1; seat <= rows * columns; seat++) {
    const c = bySeat.get(seat);
    const status = c ? c.status : 'vacant';
    tiles.push(h('li', { class: `seat-cell st-${status}`, dataset: { seat, status } },
      h('span', { class: 'seat-no' }, t('map.seat', { seat })),
      h('span', { class: 'seat-who mono' }, c ? c.number : t('map.empty')),
      c ? h('span', { class: 'seat-status' }, statusText('st', c.status)) : null));
  }
  const grid = h('ol', { class: 'seat-map', id: 'seat-map', 'aria-label': t('map.label', { room: room.name, rows, columns }) }, tiles);
  grid.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
  return grid;
}
