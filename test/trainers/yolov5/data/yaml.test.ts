import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../../../src/trainers/yolov5/data/yaml.ts';

describe('parseYaml', () => {
  it('reads a coco-style yaml: comments, names map, download block scalar', () => {
    const text = [
      '# COCO 2017 dataset http://cocodataset.org',
      'path: ../datasets/coco  # dataset root dir',
      'train: train2017.txt  # train images (relative to \'path\') 118287 images',
      'val: val2017.txt',
      'test: test-dev2017.txt # 20288 of 40670 images',
      '',
      '# Classes',
      'names:',
      '  0: person',
      '  1: bicycle',
      "  2: 'traffic light'",
      '',
      'download: |',
      '  from utils.general import download, Path',
      '  # a comment inside the script stays',
      '',
      '  dir = Path(yaml["path"])  # dataset root',
      'nc: 3',
    ].join('\n');
    expect(parseYaml(text)).toEqual({
      path: '../datasets/coco',
      train: 'train2017.txt',
      val: 'val2017.txt',
      test: 'test-dev2017.txt',
      names: { 0: 'person', 1: 'bicycle', 2: 'traffic light' },
      download: 'from utils.general import download, Path\n# a comment inside the script stays\n\ndir = Path(yaml["path"])  # dataset root\n',
      nc: 3,
    });
  });

  it('reads flow lists, block lists (indented and not), numbers, booleans and null', () => {
    const text = [
      'names: [cat, "dog # not a comment", \'it\'\'s\', 7]',
      'train:',
      '  - images/a',
      '  - images/b',
      'val:',
      '- images/v',
      'nc: 4',
      'ratio: 1.5e-3',
      'flag: true',
      'nothing: ~',
      'empty:',
      'map: {0: a, 1: [x, y]}',
    ].join('\n');
    expect(parseYaml(text)).toEqual({
      names: ['cat', 'dog # not a comment', "it's", 7],
      train: ['images/a', 'images/b'],
      val: ['images/v'],
      nc: 4,
      ratio: 0.0015,
      flag: true,
      nothing: null,
      empty: null,
      map: { 0: 'a', 1: ['x', 'y'] },
    });
  });

  it('reads a flow list spread over several lines (older YOLOv5 yamls) and apostrophes in plain text', () => {
    const text = "names: [ 'person', 'bicycle', # first line\n         \"traffic light\",\n  it's ]\nnc: 4\n";
    expect(parseYaml(text)).toEqual({ names: ['person', 'bicycle', 'traffic light', "it's"], nc: 4 });
  });

  it('keeps plain strings that only look special (paths, urls, version-like)', () => {
    expect(parseYaml('a: http://x.org/a.zip\nb: C:\\data\\img\nc: 1.2.3\nd: 0x10\n')).toEqual({
      a: 'http://x.org/a.zip', b: 'C:\\data\\img', c: '1.2.3', d: '0x10',
    });
  });

  it('names the line of syntax errors', () => {
    expect(() => parseYaml('a: 1\nb: [1, 2\nc: 3\n')).toThrow('line 2: flow collection "[1, 2" is not closed');
    expect(() => parseYaml('a: [1, 2] x\n')).toThrow('line 1: flow collection "[1, 2] x" does not end with "]"');
    expect(() => parseYaml('a: 1\na: 2\n')).toThrow('line 2: duplicate key "a"');
    expect(() => parseYaml('a: 1\n\tb: 2\n')).toThrow('line 2: tabs are not allowed for indentation; use spaces');
    expect(() => parseYaml('a: "open\n')).toThrow('line 1: unterminated double-quoted string');
    expect(() => parseYaml('a: 1\n   b: 2\n')).toThrow('line 2: unexpected indented line after a value; multi-line plain scalars are not supported');
    expect(() => parseYaml('just text\n')).toThrow('line 1: expected "key: value", got "just text"');
    expect(() => parseYaml('a: &x 1\n')).toThrow('line 1: anchors, aliases and tags are not supported ("&x 1")');
  });

  it('returns null for an empty document', () => {
    expect(parseYaml('# only a comment\n\n')).toBeNull();
  });
});
