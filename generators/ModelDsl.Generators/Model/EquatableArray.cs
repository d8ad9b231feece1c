using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;

namespace ModelDsl.Generators.Model
{
    /// <summary>
    /// An immutable array compared by its elements, so that models holding it can be cached by the incremental pipeline
    /// (<see cref="ImmutableArray{T}"/> itself compares by reference).
    /// </summary>
    internal readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IReadOnlyList<T>
        where T : IEquatable<T>
    {
        public static readonly EquatableArray<T> Empty = new(ImmutableArray<T>.Empty);

        private readonly T[]? items;

        public EquatableArray(ImmutableArray<T> items)
        {
            if (items.IsDefault)
            {
                this.items = null;
                return;
            }

            this.items = new T[items.Length];
            items.CopyTo(this.items);
        }

        public EquatableArray(IEnumerable<T> items)
        {
            this.items = new List<T>(items).ToArray();
        }

        public int Count => items?.Length ?? 0;

        public bool IsEmpty => Count == 0;

        public T this[int index] => (items ?? Array.Empty<T>())[index];

        public ImmutableArray<T> AsImmutableArray() => items is null ? ImmutableArray<T>.Empty : ImmutableArray.Create(items);

        public bool Equals(EquatableArray<T> other)
        {
            var left = items ?? Array.Empty<T>();
            var right = other.items ?? Array.Empty<T>();
            if (left.Length != right.Length)
            {
                return false;
            }

            for (var i = 0; i < left.Length; i++)
            {
                if (!EqualityComparer<T>.Default.Equals(left[i], right[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

        public override int GetHashCode()
        {
            unchecked
            {
                var hash = 17;
                foreach (var item in items ?? Array.Empty<T>())
                {
                    hash = (hash * 31) + (item is null ? 0 : EqualityComparer<T>.Default.GetHashCode(item));
                }

                return hash;
            }
        }

        public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(items ?? Array.Empty<T>())).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public static bool operator ==(EquatableArray<T> left, EquatableArray<T> right) => left.Equals(right);

        public static bool operator !=(EquatableArray<T> left, EquatableArray<T> right) => !left.Equals(right);

        public static implicit operator EquatableArray<T>(ImmutableArray<T> items) => new(items);
    }
}
