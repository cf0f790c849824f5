public enum UplinkAppPlaceholder {}
