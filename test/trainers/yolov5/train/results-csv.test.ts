import { describe, expect, it } from 'vitest';
import { RESULT_KEYS, appendResults, formatG, resultsHeader, resultsRow, truncateResults, type EpochResults } from '../../../../src/trainers/yolov5/train/results-csv.ts';

const values = Object.fromEntries(RESULT_KEYS.map((k) => [k, 0])) as EpochResults;
Object.assign(values, {
  'train/box_loss': 0.11924, 'train/obj_loss': 0.019874, 'train/cls_loss': 0.034667,
  'metrics/precision': 0.0011, 'metrics/recall': 0.042105, 'metrics/mAP_0.5': 0.00063339, 'metrics/mAP_0.5:0.95': 0.00012345678,
  'val/box_loss': 0.11, 'val/obj_loss': 0.0123456789, 'val/cls_loss': 0.03,
  'x/lr0': 0.070000000000000007, 'x/lr1': 0.0033, 'x/lr2': 0.0033,
});

describe('results.csv', () => {
  it('formats numbers like Python %.5g', () => {
    expect([0, 1, 10, 123456, 0.5, 0.0001, 0.00001234567, 1e-5, 3.14159265, 100000, 99999.5, -0.25, NaN, Infinity].map((x) => formatG(x))).toEqual(
      ['0', '1', '10', '1.2346e+05', '0.5', '0.0001', '1.2346e-05', '1e-05', '3.1416', '1e+05', '1e+05', '-0.25', 'nan', 'inf'],
    );
  });

  it('writes YOLOv5 header and rows: 20-wide right-aligned fields, comma separated', () => {
    expect(resultsHeader()).toBe(
      '               epoch,      train/box_loss,      train/obj_loss,      train/cls_loss,   metrics/precision,' +
        '      metrics/recall,     metrics/mAP_0.5,metrics/mAP_0.5:0.95,        val/box_loss,        val/obj_loss,' +
        '        val/cls_loss,               x/lr0,               x/lr1,               x/lr2',
    );
    expect(resultsRow(0, values)).toBe(
      '                   0,             0.11924,            0.019874,            0.034667,              0.0011,' +
        '            0.042105,          0.00063339,          0.00012346,                0.11,            0.012346,' +
        '                0.03,                0.07,              0.0033,              0.0033',
    );
  });

  it('appends rows under one header and truncates for a resume', () => {
    let csv = '';
    for (let e = 0; e < 3; e++) csv = appendResults(csv, e, values);
    const lines = csv.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(resultsHeader());
    expect(lines[3].split(',')[0].trim()).toBe('2');
    const cut = truncateResults(csv, 1);
    expect(cut.trimEnd().split('\n')).toEqual(lines.slice(0, 2));
    expect(truncateResults('garbage\n1,2', 1)).toBe('');
  });
});
