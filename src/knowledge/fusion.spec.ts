import { reciprocalRankFusion, RRF_K } from './fusion';

const ids = (results: { id: string }[]) => results.map((r) => r.id);

describe('reciprocalRankFusion', () => {
  test('one ranking keeps its order and scores', () => {
    const fused = reciprocalRankFusion([[{ id: 'a', score: 0.9 }, { id: 'b', score: 0.4 }]]);
    expect(fused).toEqual([
      { id: 'a', score: 0.9, fused: 1 / (RRF_K + 1) },
      { id: 'b', score: 0.4, fused: 1 / (RRF_K + 2) },
    ]);
  });

  test('no rankings, or empty ones, fuse to nothing', () => {
    expect(reciprocalRankFusion([])).toEqual([]);
    expect(reciprocalRankFusion([[], []])).toEqual([]);
  });

  test('a result both rankings hold second beats each ranking’s own favourite', () => {
    const fullText = [{ id: 'a', score: 0.7 }, { id: 'b', score: 0.5 }];
    const vector = [{ id: 'c', score: 0.6 }, { id: 'b', score: 0.45 }];
    const fused = reciprocalRankFusion([fullText, vector]);
    expect(ids(fused)).toEqual(['b', 'a', 'c']);
    expect(fused[0]!.fused).toBeCloseTo(2 / (RRF_K + 2), 12);
  });

  test('ranks are added, scores are not: a first place in one list and third in the other beats second in both', () => {
    const fused = reciprocalRankFusion([
      [{ id: 'a', score: 0.1 }, { id: 'b', score: 0.9 }],
      [{ id: 'x', score: 0.9 }, { id: 'b', score: 0.9 }, { id: 'a', score: 0.1 }],
    ]);
    // 1/61 + 1/63 > 2/62: the first place weighs a little more than two second places.
    expect(ids(fused)).toEqual(['a', 'b', 'x']);
  });

  test('a result keeps its best score across rankings', () => {
    const fused = reciprocalRankFusion([[{ id: 'a', score: 0.2 }], [{ id: 'a', score: 0.8 }], [{ id: 'a', score: 0.5 }]]);
    expect(fused).toEqual([{ id: 'a', score: 0.8, fused: expect.any(Number) }]);
  });

  test('equal fused ranks order by score, then by first appearance', () => {
    const fused = reciprocalRankFusion([
      [{ id: 'low', score: 0.3 }],
      [{ id: 'high', score: 0.6 }],
      [{ id: 'same-1', score: 0.3 }],
    ]);
    expect(ids(fused)).toEqual(['high', 'low', 'same-1']);
  });

  test('a smaller k gives the top ranks more weight', () => {
    const rankings = [
      [{ id: 'a', score: 1 }, { id: 'b', score: 1 }, { id: 'd', score: 1 }, { id: 'c', score: 1 }],
      [{ id: 'c', score: 1 }, { id: 'b', score: 1 }],
    ];
    // b is 2nd twice, c 4th and 1st: with k = 60 the agreement wins, with k = 1 the first place.
    expect(ids(reciprocalRankFusion(rankings))[0]).toBe('b');
    expect(ids(reciprocalRankFusion(rankings, 1))[0]).toBe('c');
  });

  test('the rankings given are not changed', () => {
    const ranking = [{ id: 'a', score: 0.2 }];
    reciprocalRankFusion([ranking, [{ id: 'a', score: 0.9 }]]);
    expect(ranking).toEqual([{ id: 'a', score: 0.2 }]);
  });
});
