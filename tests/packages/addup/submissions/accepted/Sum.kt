fun main() {
    val n = readLine()!!.trim().toInt()
    println(readLine()!!.split(" ").take(n).sumOf { it.toLong() })
}
