using Microsoft.ML.Data;

namespace GmailAutomation.ClassificationService.Learning;

/// <summary>
/// A sparse feature vector under construction: a dense scratch array of the full dimension plus the list
/// of indices touched, so adding is O(1) and clearing costs only what was used. Not thread-safe; one per
/// thread (see <see cref="Rent"/>).
/// </summary>
public sealed class FeatureBuffer
{
    [ThreadStatic]
    private static FeatureBuffer? _cached;

    private readonly float[] _values;
    private int[] _indices = new int[2048];

    public FeatureBuffer(int dimension)
    {
        _values = new float[dimension];
    }

    public int Dimension => _values.Length;

    /// <summary>Number of distinct indices touched so far.</summary>
    public int Count { get; private set; }

    public ReadOnlySpan<int> Indices => _indices.AsSpan(0, Count);

    public float this[int index] => _values[index];

    /// <summary>This thread's buffer for the dimension, cleared.</summary>
    public static FeatureBuffer Rent(int dimension)
    {
        var buffer = _cached;
        if (buffer is null || buffer.Dimension != dimension)
        {
            buffer = new FeatureBuffer(dimension);
            _cached = buffer;
        }

        buffer.Clear();
        return buffer;
    }

    public void Add(int index, float value = 1)
    {
        if (_values[index] == 0)
        {
            if (Count == _indices.Length)
            {
                Array.Resize(ref _indices, _indices.Length * 2);
            }

            _indices[Count++] = index;
        }

        _values[index] += value;
    }

    /// <summary>Damps counts to 1 + ln(count) (optional) and scales the entries added since <paramref name="start"/> to unit length.</summary>
    public void NormalizeGroup(int start, bool sublinear, bool unitLength)
    {
        var sum = 0.0;
        for (var i = start; i < Count; i++)
        {
            var index = _indices[i];
            var value = _values[index];
            if (sublinear && value > 1)
            {
                value = 1 + MathF.Log(value);
                _values[index] = value;
            }

            sum += value * value;
        }

        if (!unitLength || sum <= 0)
        {
            return;
        }

        var scale = (float)(1 / Math.Sqrt(sum));
        for (var i = start; i < Count; i++)
        {
            _values[_indices[i]] *= scale;
        }
    }

    /// <summary>Copies the vector out in ML.NET's sparse form (indices ascending).</summary>
    public VBuffer<float> ToVBuffer()
    {
        var indices = _indices.AsSpan(0, Count).ToArray();
        Array.Sort(indices);
        var values = new float[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            values[i] = _values[indices[i]];
        }

        return new VBuffer<float>(Dimension, indices.Length, values, indices);
    }

    public void Clear()
    {
        for (var i = 0; i < Count; i++)
        {
            _values[_indices[i]] = 0;
        }

        Count = 0;
    }
}
