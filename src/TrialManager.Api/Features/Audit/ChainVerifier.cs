using System.Security.Cryptography;
using TrialManager.Data.Audit;

namespace TrialManager.Api.Features.Audit;

/// <summary>What verification found: whether the chain holds, how many events it checked, and the first broken event.</summary>
public sealed record ChainVerification(bool Valid, long EventsChecked, Guid? FirstBrokenEventId, int CheckpointsChecked, IReadOnlyList<string> Problems);

/// <summary>A strand's head (or a checkpoint's record of it): its last sequence and that event's hash.</summary>
public sealed record StrandPosition(int Strand, long Sequence, byte[] Hash);

/// <summary>
/// Re-computes a chain from its events, fed in strand and sequence order, and compares the result with the strands'
/// recorded heads and with earlier checkpoints, and checks that every sealed value kept beside an event opens the
/// commitment its hash covers. Pure: the caller streams the events in from wherever they are.
/// </summary>
public sealed class ChainVerifier
{
    private const string BlindedMark = "\"blinded\":true";
    private readonly AuditChain.Hasher _hasher = new();
    private readonly Dictionary<(int Strand, long Sequence), byte[]> _checkpointed = [];
    private readonly Dictionary<int, (long Sequence, byte[] Hash)> _strandEnds = [];
    private readonly List<string> _problems = [];
    private readonly byte[] _hash = new byte[SHA256.HashSizeInBytes];
    private int _checkpoints;
    private long _minimumCount;
    private (DateTimeOffset At, Guid Id)? _firstBroken;
    private int _strand = -1;
    private long _sequence;
    private byte[] _previous = AuditChain.Genesis;

    public long EventsChecked { get; private set; }

    /// <summary>A checkpoint: the chain held at least `eventCount` events, and each listed position had that hash.</summary>
    public void ExpectCheckpoint(long eventCount, IEnumerable<StrandPosition> heads)
    {
        _checkpoints++;
        _minimumCount = Math.Max(_minimumCount, eventCount);
        foreach (var head in heads.Where(h => h.Sequence > 0))
            _checkpointed[(head.Strand, head.Sequence)] = head.Hash;
    }

    public void Add(AuditEvent e)
    {
        EventsChecked++;
        if (e.Strand != _strand)
            (_strand, _sequence, _previous) = (e.Strand, 0, AuditChain.Genesis);

        _hasher.Hash(e, _previous, _hash);
        if (e.Sequence != _sequence + 1)
            Broken(e, $"strand {e.Strand}: sequence {e.Sequence} follows {_sequence} (an event is missing or out of place)");
        else if (!e.PreviousHash.AsSpan().SequenceEqual(_previous))
            Broken(e, $"strand {e.Strand}, sequence {e.Sequence}: does not link to the event before it");
        else if (!e.Hash.AsSpan().SequenceEqual(_hash))
            Broken(e, $"strand {e.Strand}, sequence {e.Sequence}: its content does not match its hash (altered)");
        if (_checkpointed.Remove((e.Strand, e.Sequence), out var expected) && !expected.AsSpan().SequenceEqual(e.Hash))
            Broken(e, $"strand {e.Strand}, sequence {e.Sequence}: differs from the event a checkpoint recorded");
        // The hash covers sealed values as commitments; the values kept beside them must open them.
        if (e.Format >= 2 && (e.SealedValues is not null || e.ReasonCommitment is not null || e.Changes.Contains(BlindedMark, StringComparison.Ordinal)))
            foreach (var problem in AuditSeal.Check(e.Changes, e.ReasonCommitment, e.SealedValues))
                Broken(e, $"strand {e.Strand}, sequence {e.Sequence}: {problem}");

        // Carry on from the stored hash, so one broken event does not hide what follows it.
        _sequence = e.Sequence;
        _previous = e.Hash;
        _strandEnds[e.Strand] = (e.Sequence, e.Hash);
    }

    /// <summary>Compares the recorded strand heads with where the strands end, then gives the verdict.</summary>
    public ChainVerification Finish(IEnumerable<StrandPosition> heads)
    {
        foreach (var head in heads)
        {
            var end = _strandEnds.TryGetValue(head.Strand, out var e) ? e : (0, AuditChain.Genesis);
            if (end.Item1 != head.Sequence || (head.Sequence > 0 && !end.Item2.AsSpan().SequenceEqual(head.Hash)))
                _problems.Add($"strand {head.Strand} ends at sequence {end.Item1}, but its head records {head.Sequence} (events removed from its end?)");
        }
        foreach (var (strand, sequence) in _checkpointed.Keys)
            _problems.Add($"strand {strand}, sequence {sequence}: recorded by a checkpoint but no longer present (truncated?)");
        if (EventsChecked < _minimumCount)
            _problems.Add($"{EventsChecked} events, but a checkpoint counted {_minimumCount} (truncated?)");
        return new ChainVerification(_problems.Count == 0, EventsChecked, _firstBroken?.Id, _checkpoints, _problems);
    }

    private void Broken(AuditEvent e, string problem)
    {
        _problems.Add(problem);
        if (_firstBroken is not { } first || (e.OccurredAt, e.Id).CompareTo(first) < 0)
            _firstBroken = (e.OccurredAt, e.Id);
    }
}
