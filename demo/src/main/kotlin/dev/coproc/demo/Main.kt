package dev.coproc.demo; fun main() { println("hi") }
